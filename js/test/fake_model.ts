// A stand-in for the anywidget model: records what a view sends and lets a test deliver kernel
// messages to it, with the same get/set/on/off/send/save_changes surface.
type Handler = (...args: any[]) => void;

export class FakeModel {
  readonly sent: any[] = [];
  saves = 0;
  private readonly handlers = new Map<string, Set<Handler>>();
  readonly widget_manager = { get_model: async () => this as any };

  constructor(private readonly state: Record<string, any> = {}) {}

  get(key: string): any {
    return this.state[key];
  }

  set(key: string, value: any): void {
    this.state[key] = value;
    this.emit(`change:${key}`, null, value);
  }

  on(event: string, cb: Handler): void {
    if (!this.handlers.has(event)) this.handlers.set(event, new Set());
    this.handlers.get(event)!.add(cb);
  }

  off(event?: string | null, cb?: Handler | null): void {
    if (!event) this.handlers.clear();
    else if (!cb) this.handlers.delete(event);
    else this.handlers.get(event)?.delete(cb);
  }

  send(msg: any): void {
    this.sent.push(msg);
  }

  /** The last message the view sent. */
  last(): any {
    return this.sent[this.sent.length - 1];
  }

  save_changes(): void {
    this.saves += 1;
  }

  /** A custom message from the kernel. */
  deliver(msg: any): void {
    this.emit("msg:custom", msg, []);
  }

  /** Answer the last request of ``type`` as the kernel would. */
  ack(type: string, ok: boolean, error: string | null = null, result?: any): any {
    const req = [...this.sent].reverse().find((m) => m.type === type);
    if (!req) throw new Error(`no ${type} request was sent`);
    this.deliver({ type: "ack", id: req.id, ok, error, result });
    return req;
  }

  listeners(event: string): number {
    return this.handlers.get(event)?.size ?? 0;
  }

  private emit(event: string, ...args: any[]): void {
    for (const cb of this.handlers.get(event) ?? []) cb(...args);
  }
}

export const frame = () => new Promise((r) => setTimeout(r, 40));

export function mount(render: (props: any) => any, model: FakeModel): { el: HTMLElement; cleanup: () => void } {
  const el = document.createElement("div");
  document.body.append(el);
  const cleanup = render({ model, el, experimental: {} as any });
  return { el, cleanup };
}

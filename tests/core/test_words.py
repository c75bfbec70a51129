from hcautoml_widgets.core.words import plural


def test_plural_adds_an_s_unless_one() -> None:
    assert plural(1, "trial") == "1 trial"
    assert [plural(n, "worker") for n in (0, 2)] == ["0 workers", "2 workers"]

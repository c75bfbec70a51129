from hcautoml_widgets.core.words import plural, shown


def test_plural_adds_an_s_unless_one() -> None:
    assert plural(1, "trial") == "1 trial"
    assert [plural(n, "worker") for n in (0, 2)] == ["0 workers", "2 workers"]


def test_a_value_is_shown_as_the_views_show_it() -> None:
    assert shown(0.000346725024472669) == "0.0003467"
    assert shown(0.109896160923) == "0.1099"
    assert shown(1.0) == "1" and shown(8) == "8" and shown("rbf") == "'rbf'"

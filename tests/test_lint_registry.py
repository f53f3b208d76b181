"""The lint registry: every check class in diagnose/lint/ runs, once, under a unique id."""
from diagnose.lint import CHECK_IDS, CHECKS, Check


def _concrete(cls):
    for sub in cls.__subclasses__():
        if sub.id:
            yield sub
        yield from _concrete(sub)


def test_every_check_class_is_registered_once():
    registered = [type(check) for check in CHECKS]
    assert len(registered) == len(set(registered))
    assert set(_concrete(Check)) == set(registered)


def test_check_ids_are_unique():
    assert len(CHECK_IDS) == len(CHECKS)

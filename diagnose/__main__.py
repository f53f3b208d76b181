"""``python -m diagnose`` and the ``diagnose`` command: the CLI."""
import gc


def main() -> None:
    """Console-script entry point. The garbage collector is off while the CLI's modules and the
    knowledge load: they live as long as the process, and collecting while they are made only
    walks them again and again (about a fifth of a cold run). A command that goes on after
    loading turns it back on (:func:`diagnose.cli.collect_from_here`)."""
    gc.disable()
    from .cli import main as cli_main

    cli_main()


if __name__ == "__main__":
    main()

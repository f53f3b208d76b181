"""`--help` works for every command and subcommand of the lazily loaded COMMANDS table."""
import click
import pytest
from click.testing import CliRunner

from diagnose.cli import COMMANDS, cli


def command_paths():
    """Every command as its words after `diagnose` (``["kb", "lint"]``), groups and their subcommands."""
    paths = []
    todo = [([], cli)]
    while todo:
        words, group = todo.pop()
        context = click.Context(group, info_name="diagnose")
        for name in group.list_commands(context):
            command = group.get_command(context, name)
            paths.append(words + [name])
            if isinstance(command, click.Group):
                todo.append((words + [name], command))
    return sorted(paths)


def test_every_command_of_the_table_loads():
    context = click.Context(cli, info_name="diagnose")
    assert cli.list_commands(context) == sorted(COMMANDS)
    for name in COMMANDS:
        command = cli.get_command(context, name)
        assert isinstance(command, click.Command) and command.name == name


def test_the_top_level_help_lists_every_command():
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0, result.output
    listed = result.output.split("Commands:")[1].split()
    assert all(name in listed for name in COMMANDS)


@pytest.mark.parametrize("words", command_paths(), ids=" ".join)
def test_help_of(words):
    result = CliRunner().invoke(cli, [*words, "--help"], prog_name="diagnose")
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"Usage: diagnose {' '.join(words)} ")
    assert "Traceback" not in result.output
    command = cli
    for word in words:
        command = command.get_command(click.Context(command), word)
    summary = command.get_short_help_str(limit=300).rstrip(".")
    assert summary and summary[:40] in " ".join(result.output.split())

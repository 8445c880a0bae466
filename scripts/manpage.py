#!/usr/bin/env python3
"""Writes albummaster's man page (roff, man macros) to stdout, from the argument parser itself.

Usage: manpage.py ALBUMMASTER_BINARY

The binary describes every command, argument, default and help text as JSON (`--experimental-dump-help`, the
interface argument-parser's own generate-manual tool reads), so the page cannot drift from `--help`. Only the
standard library is used, and no date is written: the same binary always gives the same page.
"""
import json, subprocess, sys


def roff(text):
    """Escapes text for roff: backslashes, and a leading '.' or "'" that would read as a request."""
    lines = []
    for line in text.replace("\\", "\\e").split("\n"):
        lines.append("\\&" + line if line.startswith((".", "'")) else line)
    return "\n".join(lines)


def flag_name(n):
    return ("\\-" if n["kind"] in ("short", "longWithSingleDash") else "\\-\\-") + roff(n["name"]).replace("-", "\\-")


def label(arg):
    """`-h, --help`, `--reports <reports>` or `<album>`."""
    value = "\\fI<" + roff(arg.get("valueName", "value")) + ">\\fR"
    if arg["kind"] == "positional":
        return value + (" ..." if arg.get("isRepeating") else "")
    names = ", ".join("\\fB" + flag_name(n) + "\\fR" for n in arg.get("names", []))
    return names + (" " + value if arg["kind"] == "option" else "")


def synopsis(arg):
    pref = arg.get("preferredName")
    if arg["kind"] == "positional":
        text = "<" + roff(arg.get("valueName", "value")) + ">" + (" ..." if arg.get("isRepeating") else "")
    else:
        text = flag_name(pref) if pref else ""
        if arg["kind"] == "option":
            text += " <" + roff(arg.get("valueName", "value")) + ">"
    return "[" + text + "]" if arg.get("isOptional") else text


def describe(arg):
    text = arg.get("abstract", "")
    if arg.get("discussion"):
        text += " " + arg["discussion"]
    values = arg.get("allValues")
    if values and not all(v in text for v in values):
        text += " (values: " + ", ".join(values) + ")"
    # Defaults the help already states (e.g. "the number of cores") are not repeated with this machine's figure.
    if arg.get("defaultValue") is not None and "default" not in text.lower():
        text += " (default: " + arg["defaultValue"] + ")"
    return roff(text.strip())


def paragraphs(text):
    return "\n.PP\n".join(roff(p.strip()) for p in text.split("\n\n") if p.strip())


def visible(items):
    return [i for i in items or [] if i.get("shouldDisplay", True)]


def command_section(cmd, path, out):
    """One .SS per command below the root: its synopsis, abstract, discussion and arguments, then its subcommands."""
    full = path + [cmd["commandName"]]
    out.append('.SS "' + " ".join(full) + '"')
    out.append(".B " + " ".join(full))
    out.append(" ".join(synopsis(a) for a in visible(cmd.get("arguments"))))
    out.append(".PP")
    if cmd.get("abstract"):
        out.append(roff(cmd["abstract"]))
    if cmd.get("discussion"):
        out.append(".PP\n" + paragraphs(cmd["discussion"]))
    for arg in visible(cmd.get("arguments")):
        out.append(".TP\n" + label(arg) + "\n" + describe(arg))
    for sub in visible(cmd.get("subcommands")):
        command_section(sub, full, out)


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: manpage.py ALBUMMASTER_BINARY")
    binary = sys.argv[1]
    info = json.loads(subprocess.run([binary, "--experimental-dump-help"], check=True, capture_output=True, text=True).stdout)
    version = subprocess.run([binary, "--version"], check=True, capture_output=True, text=True).stdout.strip()
    root = info["command"]
    name = root["commandName"]
    out = [
        '.TH "' + name.upper() + '" 1 "" "' + name + " " + roff(version) + '" "User Commands"',
        ".SH NAME",
        name + " \\- " + roff(root.get("abstract", "")),
        ".SH SYNOPSIS",
        ".B " + name,
        "\\fIcommand\\fR [\\fIoptions\\fR] [\\fIarguments\\fR]",
        ".br",
        ".B " + name,
        "[\\-\\-help | \\-\\-version]",
    ]
    if root.get("discussion"):
        out += [".SH DESCRIPTION", paragraphs(root["discussion"])]
    args = visible(root.get("arguments"))
    if args:
        out.append(".SH OPTIONS")
        out += [".TP\n" + label(a) + "\n" + describe(a) for a in args]
    subs = visible(root.get("subcommands"))
    if subs:
        out.append(".SH COMMANDS")
        out.append("Each command takes \\fB\\-\\-help\\fR.")
        for sub in subs:
            command_section(sub, [name], out)
    out += [".SH SEE ALSO", "The README of the AlbumMaster source tree; \\fB" + name + " \\fIcommand\\fB \\-\\-help\\fR."]
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Brings each package's .PublicAPI/PublicAPI.Unshipped.txt in line with its public surface.

Builds every project under src/ with warnings not treated as errors, reads the PublicApiAnalyzers diagnostics
(RS0016: a public symbol missing from the files; RS0017: a listed symbol that no longer exists) and rewrites the
Unshipped file. Review the diff: every line is a promise to users.

Usage: python3 eng/update-public-api.py [Workflow.Core Workflow.Postgres ...]
"""
import pathlib
import re
import subprocess
import sys

root = pathlib.Path(__file__).resolve().parent.parent
added = re.compile(r"error RS0016: Symbol '(.+?)' is not part of the declared public API.*\[(.+?\.csproj)\]")
removed = re.compile(r"error RS0017: Symbol '(.+?)' is part of the declared (?:public )?API.*\[(.+?\.csproj)\]")

# Optional arguments name the projects to update (Workflow.Core, ...); by default all of them.
only = set(sys.argv[1:])
for project in sorted((root / "src").glob("*/*.csproj")):
    if only and project.stem not in only:
        continue
    result = subprocess.run(
        ["dotnet", "build", str(project), "-c", "Release", "--no-incremental", "-p:TreatWarningsAsErrors=true"],
        capture_output=True, text=True)
    output = result.stdout + result.stderr
    unshipped = project.parent / ".PublicAPI" / "PublicAPI.Unshipped.txt"
    lines = set(l for l in unshipped.read_text().splitlines() if l and not l.startswith("#"))
    new = {m.group(1) for m in added.finditer(output) if pathlib.Path(m.group(2)) == project}
    gone = {m.group(1) for m in removed.finditer(output) if pathlib.Path(m.group(2)) == project}
    lines = (lines | new) - gone
    unshipped.write_text("#nullable enable\n" + "".join(l + "\n" for l in sorted(lines, key=str.lower)))
    print(f"{project.name}: +{len(new)} -{len(gone)}")
    other = [l for l in output.splitlines() if "error" in l and "RS0016" not in l and "RS0017" not in l and "error(s)" not in l.lower()]
    if other:
        print("\n".join(sorted(set(other))[:20]), file=sys.stderr)

"""Every C++ sample in README.md is compiled by the build, verbatim:

- a whole program starts with `// NAME: ...` and must be examples/NAME.cpp, exactly;
- any other block (a fragment) must be one of the regions of examples/readme_fragments.cpp
  between `// README fragment: NAME` and `// README fragment end`, after removing the
  region's common indentation; and every region there must still be in the README, so
  the file cannot keep compiling a sample the README no longer shows."""
import pathlib
import re
import sys
import textwrap

root = pathlib.Path(sys.argv[1])
readme = (root / "README.md").read_text()
blocks = re.findall(r"```cpp\n(.*?)```", readme, re.S)
fragments_file = root / "examples" / "readme_fragments.cpp"
regions = {
    name: textwrap.dedent(body).strip("\n")
    for name, body in re.findall(
        r"^[ \t]*// README fragment: (\w+)\n(.*?)^[ \t]*// README fragment end$",
        fragments_file.read_text(), re.S | re.M)
}
programs, fragments, bad, used = 0, 0, [], set()
for b in blocks:
    m = re.match(r"// (\w+): ", b)
    if m:
        f = root / "examples" / (m.group(1) + ".cpp")
        if not f.exists():
            bad.append(f"README shows {m.group(1)} but {f} does not exist")
        elif f.read_text().rstrip("\n") != b.rstrip("\n"):
            bad.append(f"README's {m.group(1)} differs from {f}")
        programs += 1
        continue
    text = b.strip("\n")
    names = [n for n, r in regions.items() if r == text]
    if not names:
        first = text.splitlines()[0] if text else ""
        bad.append(f"README fragment starting {first!r} is not in {fragments_file.name} (verbatim)")
    used.update(names)
    fragments += 1
for n in sorted(set(regions) - used):
    bad.append(f"{fragments_file.name} region {n} is no longer in the README")
for line in bad:
    print(line)
print(f"readme_samples: {programs} program(s) and {fragments} fragment(s) checked, {len(bad)} wrong")
sys.exit(1 if bad or programs == 0 or fragments == 0 else 0)

"""The README's C++ samples that are whole programs are files under examples/ (built, and
run by CTest); this checks each such block is still the file, verbatim.

A README block is tied to examples/NAME.cpp by its first line, `// NAME: ...`."""
import pathlib
import re
import sys

root = pathlib.Path(sys.argv[1])
readme = (root / "README.md").read_text()
blocks = re.findall(r"```cpp\n(.*?)```", readme, re.S)
checked, bad = 0, []
for b in blocks:
    m = re.match(r"// (\w+): ", b)
    if not m:
        continue  # a fragment, not a program
    f = root / "examples" / (m.group(1) + ".cpp")
    if not f.exists():
        bad.append(f"README shows {m.group(1)} but {f} does not exist")
    elif f.read_text().rstrip("\n") != b.rstrip("\n"):
        bad.append(f"README's {m.group(1)} differs from {f}")
    checked += 1
for line in bad:
    print(line)
print(f"readme_samples: {checked} program(s) checked, {len(bad)} differ")
sys.exit(1 if bad or checked == 0 else 0)

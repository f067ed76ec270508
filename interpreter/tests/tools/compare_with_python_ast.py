# Check that Python's AST of each printed file in /tmp/tsprinted equals its original's.
import ast, glob, sys
bad = 0
files = sorted(glob.glob('/tmp/tsprinted/*.py'))
for f in files:
    src = open(f[:-3] + '.src').read()
    a = ast.dump(ast.parse(open(src).read()))
    b = ast.dump(ast.parse(open(f).read()))
    if a != b:
        bad += 1
        print("DIFF", src, f)
print(len(files), "files,", bad, "differ")

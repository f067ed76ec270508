# Compare TorchScript's own parse trees of every def, original vs printed (see README.md).
import ast, glob, textwrap, torch, sys, re
def canon(m):
    t = m.group(1)
    try:
        if t.endswith('j'): return '(const %rj)' % float(t[:-1])
        if any(c in t for c in '.eE') and not t.lower().startswith('0x'): return '(const %r)' % float(t)
        return '(const %d)' % int(t, 0)
    except Exception:
        return m.group(0)
def defs(src):
    tree = ast.parse(src)
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef):
            seg = textwrap.dedent(ast.get_source_segment(src, node, padded=True)) + "\n"
            try:
                out.append(re.sub(r'\(const ([^()\s]+)\)', canon, ' '.join(str(torch._C._parse_source_def(seg)).split())))
            except Exception as e:
                out.append('ERROR ' + str(e).splitlines()[0])
    return out
n = bad = 0
for f in sorted(glob.glob(sys.argv[1] + '/*.py')):
    orig = open(open(f[:-3] + '.src').read()).read()
    a, b = defs(orig), defs(open(f).read())
    for x, y in zip(a, b):
        n += 1
        if x != y:
            bad += 1
            if bad < 3:
                print("DIFF", f)
                import difflib
                print('\n'.join(list(difflib.unified_diff(x.splitlines(), y.splitlines(), lineterm=''))[:30]))
print(n, "defs compared,", bad, "differ under TorchScript's parser")

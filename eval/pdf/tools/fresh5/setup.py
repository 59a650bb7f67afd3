import hashlib, json, subprocess, sys
import os
M = "/work/.mirror/{}/repo"
def commit_with(repo, path, prefer=None):
    g = M.format(repo.replace('/', '+'))
    g = g + "/.git" if os.path.isdir(g + "/.git") else g
    cands = ([prefer] if prefer else []) + subprocess.run(["git", "--git-dir", g, "log", "--all", "--format=%H", "--", path], capture_output=True, text=True).stdout.split()
    for c in cands:
        for cc in (c, c + "^"):
            r = subprocess.run(["git", "--git-dir", g, "show", f"{cc}:{path}"], capture_output=True)
            if r.returncode == 0 and r.stdout[:4] == b"%PDF":
                full = subprocess.run(["git", "--git-dir", g, "rev-parse", cc], capture_output=True, text=True).stdout.strip()
                return full, r.stdout
    raise SystemExit(f"no commit for {repo} {path}")
src = json.load(open(sys.argv[1]))
res = set(l.split()[0] for l in open('/work/shared/hooks/reserved.sha256') if l.strip())
man = {r['sha256'] for r in json.load(open('/work/wt83/eval/pdf/manifest.json'))}
out = {}
for pid, (repo, commit, path, layout, licence, *_) in src.items():
    c, data = commit_with(repo, path, commit)
    h = hashlib.sha256(data).hexdigest()
    assert h not in res and (h not in man or pid in {r["id"] for r in json.load(open("/work/wt83/eval/pdf/manifest.json")) if r.get("commit") == c}), pid
    open(f"/work/wt83/eval/pdf/restored/{pid}.pdf", "wb").write(data)
    src[pid][1] = c
    print(pid, c[:10], len(data), h[:12])
json.dump(src, open(sys.argv[1], "w"), indent=1, ensure_ascii=False)

import json,sys
r=json.load(open(sys.argv[1]))
f=r['figures']['chdb']
def n(x): return f"{x:,.0f}" if x>=100 else f"{x:,.1f}"
print("| query | scope | rows read before → after | CPU ms/call before → after | p50 / p99 ms before → after | read from (after) |")
print("|---|---|---|---|---|---|")
for k,v in f.items():
    if not isinstance(v,dict) or 'before' not in v: continue
    scope,_,name=k.partition('.')
    b,a=v['before'],v['after']
    print(f"| {name} | {scope} | {b['rowsRead']:,} → **{a['rowsRead']:,}** | {n(b['cpuMsPerCall'])} → **{n(a['cpuMsPerCall'])}** | {n(b['p50'])} / {n(b['p99'])} → {n(a['p50'])} / **{n(a['p99'])}** | {a['source']} |")

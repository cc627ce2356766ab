#!/bin/bash
# Regenerates every output quoted in docs/wargame.md, then the page itself:
#   scripts/docs-wargame/gen.sh [BINARY]      (default build/release/app/cyberdeter)
# Outputs go to build/docs-wargame/out; build.py fills wargame.md.in with them. Run it
# after any change to what `wargame` or `debrief` print, and review the diff of the page.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=$(realpath "${1:-$root/build/release/app/cyberdeter}")
work=$root/build/docs-wargame
rm -rf "$work" && mkdir -p "$work/bin" "$work/out"
ln -s "$bin" "$work/bin/cyberdeter"
for f in hawk.py read.py read_analysis.py early.toml; do cp "$here/$f" "$work/"; done
export PATH=$work/bin:$PATH
cd "$work/out"
ln -s "$root/scenarios" scenarios
S=scenarios/japan_2015_2021.toml
cyberdeter --version > version.txt

# 1. the transcript
printf '?\nthreshold coordinate 0.5\nenable sanction\n\n\nc # weak, but we want allies on record\nmaybe\nd\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n' |
  cyberdeter wargame $S --play Japan --horizon-days 400 --delegate-below 0.2 -o session.h5 > transcript.txt
echo "transcript rc=$?" > rc.txt

# 2. debrief of it
cyberdeter debrief session.h5 --decisions decisions.toml > debrief1.txt; echo "debrief rc=$?" >> rc.txt

# 3. how many decisions at each --delegate-below, Enter everywhere (= the doctrine's history)
for z in none 0 0.2 0.4 0.6; do
  for t in 91.3125 365.25; do
    a=(); [ $z = none ] || a=(--delegate-below $z)
    yes "" | cyberdeter wargame $S --play Japan "${a[@]}" --turn-days $t -o d.h5 --force -q > /dev/null
    /usr/bin/python3 -c "
import h5py, pandas as pd
d = pd.DataFrame(h5py.File('d.h5')['/wargame/decisions'][:]); p = d[d.source == 0]
print('$z', '$t', len(p), (p.kind == 0).sum(), (p.kind == 1).sum(), (p.kind == 2).sum(), len(d))"
  done
done > counts.txt

# 4. what if: decision 9 answered 'attribute', then the doctrine
awk '/^\[\[decision\]\]/{n++} n<=9' decisions.toml | sed 's/choice = "coordinate"/choice = "attribute"/' > whatif.toml
cyberdeter wargame $S --play Japan --horizon-days 400 --decisions whatif.toml --rest doctrine -o whatif.h5 > whatif.txt
echo "whatif rc=$?" >> rc.txt

# 4b. the what-if against its original, and the decisions as CSV
cyberdeter debrief whatif.h5 --compare session.h5 > compare.txt; echo "compare rc=$?" >> rc.txt
cyberdeter debrief session.h5 --csv decisions.csv -q; echo "csv rc=$?" >> rc.txt

# 5. replay identity
cyberdeter wargame $S --decisions session.h5 --horizon-days 400 -o replay.h5 -q < /dev/null; echo "replay rc=$?" >> rc.txt
cyberdeter wargame $S --play Japan --decisions decisions.toml --horizon-days 400 -o replay2.h5 -q < /dev/null; echo "replay2 rc=$?" >> rc.txt
/usr/bin/python3 - > identity.txt <<'PY'
import h5py, numpy as np
a = h5py.File('session.h5')
for other in ['replay.h5', 'replay2.h5']:
    b = h5py.File(other)
    print(other, [t for t in ['runs', 'timeseries', 'states', 'attackers', 'beliefs', 'incidents', 'wargame/decisions',
                  'wargame/counterfactual/runs', 'wargame/counterfactual/states', 'wargame/counterfactual/incidents']
                  if not np.array_equal(a[t][:], b[t][:])] or 'identical')
PY

# 6. quit, then resume
printf '?\nthreshold coordinate 0.5\nenable sanction\n\n\nc # weak, but we want allies on record\nquit\n' |
  cyberdeter wargame $S --play Japan --horizon-days 400 --delegate-below 0.2 -o part.h5 > quit.txt; echo "quit rc=$?" >> rc.txt
printf 'd\n\n\n\n\n\n\n\n\n\n\n\n' | cyberdeter wargame --resume part.h5 > resume.txt; echo "resume rc=$?" >> rc.txt
/usr/bin/python3 - >> identity.txt <<'PY'
import h5py, numpy as np
a = h5py.File('session.h5'); b = h5py.File('part.h5')
print('resumed', [t for t in ['runs', 'timeseries', 'states', 'incidents', 'wargame/counterfactual/runs', 'wargame/counterfactual/incidents']
                  if not np.array_equal(a[t][:], b[t][:])] or 'identical')
da, db = a['wargame/decisions'][:], b['wargame/decisions'][:]
print('resumed decisions except seconds', all(np.array_equal(da[c], db[c]) for c in da.dtype.names if c != 'seconds'))
PY

# 7. reading the file
cp ../read.py . && /usr/bin/python3 read.py > read.txt 2>&1

# 8. the scripted hawk, its debrief, the sweep and the effect
cp ../hawk.py . && /usr/bin/python3 hawk.py; echo "hawk rc=$?" >> rc.txt
cyberdeter debrief hawk.h5 --sweep as_played.toml > debrief_hawk.txt; echo "debrief hawk rc=$?" >> rc.txt
cyberdeter sweep as_played.toml --incidents -o as_played.h5 > sweep.txt 2>&1; echo "sweep rc=$?" >> rc.txt
# The point "as played" throughout is the last one debrief names.
last=$(sed -n 's/^with point \([0-9]*\) (as played):$/\1/p' debrief_hawk.txt)
echo "$last" > last_point.txt
for m in launched_state_sponsored@Japan public_responses; do
  PYTHONPATH=$root /usr/bin/python3 -m analysis effect as_played.h5 --points 0 "$last" --labels scenario 'as played' --metric $m
done > effect.txt 2>&1

# 9. a hand-written decisions file
cp ../early.toml . && cyberdeter wargame $S --play Japan --decisions early.toml --rest doctrine -o early.h5 > early.txt; echo "early rc=$?" >> rc.txt
cat rc.txt
# 10. a decisions file that does not match the session
sed '0,/incident = 6$/s//incident = 7/' decisions.toml > mismatch.toml
cyberdeter wargame $S --play Japan --decisions mismatch.toml --horizon-days 400 -o mismatch.h5 -q < /dev/null > mismatch.txt 2>&1
echo "mismatch rc=$? $(ls mismatch.h5 2>&1)" >> rc.txt
sed -i 's#decisions.toml#decisions.toml#' mismatch.txt
cat rc.txt
# 11. the analysis package on a session
PYTHONPATH=$root /usr/bin/python3 ../read_analysis.py > read_analysis.txt 2>&1
PYTHONPATH=$root /usr/bin/python3 -m analysis summary session.h5 > summary.txt 2>&1
echo "analysis rc=$?" >> rc.txt
/usr/bin/python3 "$here/build.py" "$work/out" "$root/docs/wargame.md"

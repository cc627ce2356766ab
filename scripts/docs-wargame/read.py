import h5py, pandas as pd

f = h5py.File("session.h5")
print(dict(f["/wargame"].attrs))
d = pd.DataFrame(f["/wargame/decisions"][:])
d["state"] = [f["/scenario/states"][i].decode() for i in d["state"]]
d["kind"] = d["kind"].map({0: "respond", 1: "join", 2: "turn"})
d["source"] = d["source"].map({0: "player", 1: "file", 2: "doctrine"})
d["action"] = [a.decode() for a in f["/wargame/actions"][:]]
print(d[d.source == "player"][["decision", "day", "kind", "incident", "turn", "case_strength",
                                "action", "deviates"]].to_string(index=False))
print(f["/wargame/briefs"][11].decode())         # the brief of decision 12, as shown

# The session's history against the same replication played by the doctrine
mine = pd.DataFrame(f["/incidents"][:])
doctrine = pd.DataFrame(f["/wargame/counterfactual/incidents"][:])
print(mine[mine.incident == 43][["incident", "named", "case_strength", "rung_decided",
                                 "rung_final", "signers"]].to_string(index=False))
print(doctrine[doctrine.incident == 43][["incident", "named", "case_strength", "rung_decided",
                                         "rung_final", "signers"]].to_string(index=False))

from analysis import io

with io.open_file("session.h5") as cf:
    d = cf.decisions()
    print(d[d.deviates][["decision", "day", "state", "kind", "incident", "named", "action"]]
          .to_string(index=False))
    print(cf.counterfactual("runs")[["launched", "public_responses", "fingerprint"]])

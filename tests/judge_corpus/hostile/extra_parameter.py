# expect: line 2: the signature must be exactly `def judge(t):`
def judge(t, verdict):
    return {"x": at_least(1.0, 0.0)}

# expect: line 3: return at least one check
def judge(t):
    return {}

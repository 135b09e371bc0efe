# expect: line 3: check names must be string literals
def judge(t):
    return {1: at_least(1.0, 0.0)}

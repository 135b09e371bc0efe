# expect: line 3: names that start with `_` are not allowed (`__builtins__`)
def reward(s, a, prev_a):
    evil = __builtins__["eval"]
    return 1.0, {"x": 1.0}

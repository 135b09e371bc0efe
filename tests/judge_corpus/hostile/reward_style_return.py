# expect: line 3: the return value must be `{"name": at_least(...) | at_most(...) | between(...), ...}` with a dict literal
def judge(t):
    return 1.0, {"x": at_least(1.0, 0.0)}

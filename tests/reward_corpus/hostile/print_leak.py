# expect: line 3: calls print(), which is not allowed
def reward(s, a, prev_a):
    print(s.time)
    return 1.0, {"x": 1.0}

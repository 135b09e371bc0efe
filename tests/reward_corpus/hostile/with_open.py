# expect: line 3: with is not allowed
def reward(s, a, prev_a):
    with open("/tmp/tabrl_escape_with.txt", "w") as f:
        x = 1.0
    return x, {"x": x}

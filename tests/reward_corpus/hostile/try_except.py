# expect: line 3: try is not allowed
def reward(s, a, prev_a):
    try:
        x = 1.0
    except Exception:
        x = 0.0
    return x, {"x": x}

# expect: the code needs more than 4096 MB of memory
def reward(s, a, prev_a):
    x = [0.0] * 1000000 * 1000
    return 1.0, {"x": 1.0}

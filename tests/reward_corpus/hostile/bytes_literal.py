# expect: line 3: bytes literals are not allowed
def reward(s, a, prev_a):
    x = b"\x00\x01"
    return 1.0, {"x": 1.0}

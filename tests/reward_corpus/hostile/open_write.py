# expect: line 3: calls open(), which is not allowed
def reward(s, a, prev_a):
    f = open("/tmp/tabrl_escape_open.txt", "w")
    f.write("escaped")
    return 1.0, {"x": 1.0}

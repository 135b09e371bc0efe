# expect: line 3: component name 'forward speed!' must be an identifier
def reward(s, a, prev_a):
    return 1.0, {"forward speed!": 1.0}

# expect: line 4: component names must be string literals
def reward(s, a, prev_a):
    name = 1.0
    return 1.0, {name: 1.0}

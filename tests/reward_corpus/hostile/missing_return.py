# expect: line 3: the function must end with `return total
def reward(s, a, prev_a):
    x = 1.0

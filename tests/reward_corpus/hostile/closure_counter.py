# expect: line 4: nested functions are not allowed
def reward(s, a, prev_a):
    count = 0.0
    def bump():
        return count + 1.0
    return bump(), {"x": 1.0}

# expect: line 3: calls eval(), which is not allowed
def reward(s, a, prev_a):
    x = eval("__import__('os').getcwd()")
    return 1.0, {"x": 1.0}

# expect: line 2: only `def reward(s, a, prev_a):` may appear at top level
async def reward(s, a, prev_a):
    return 1.0, {"x": 1.0}

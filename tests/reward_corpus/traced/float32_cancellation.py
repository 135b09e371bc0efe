# expect: line 5: on realistic states (rollouts with random, saturated and policy actions, falls, feet in the air) the total is infinite on
def reward(s, a, prev_a):
    elapsed = (s.time + 0.01 + 1000000.0) - 1000000.0
    rate = 1.0 / elapsed
    return 0.001 * rate, {"rate": rate}

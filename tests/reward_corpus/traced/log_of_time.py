# expect: line 4: on realistic states (rollouts with random, saturated and policy actions, falls, feet in the air) the total is infinite on 
def reward(s, a, prev_a):
    age = jnp.log(s.time)
    return age, {"age": age}

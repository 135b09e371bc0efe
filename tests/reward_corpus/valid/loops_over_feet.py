def reward(s, a, prev_a):
    # A bounded for loop over the four feet, and nested loops within the 16-iteration budget.
    lifted = 0.0
    for i in range(4):
        lifted += (1.0 - s.foot_contact[i]) * jnp.minimum(s.foot_height[i], 0.1)
    pairs = 0.0
    for i in range(2):
        for j in range(2, 4):
            pairs = pairs + s.foot_contact[i] * s.foot_contact[j]
    return lifted + 0.1 * pairs, {"lifted": lifted, "pairs": pairs}

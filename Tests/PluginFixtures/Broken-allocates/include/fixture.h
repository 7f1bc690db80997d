/* Fixture: allocates (see broken_reward.h). */

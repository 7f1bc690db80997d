/* Fixture: hang (see broken_reward.h). */

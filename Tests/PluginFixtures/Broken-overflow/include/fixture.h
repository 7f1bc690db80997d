/* Fixture: overflow (see broken_reward.h). */

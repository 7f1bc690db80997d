/* Fixture: nan (see broken_reward.h). */

/* Fixture: accepts anything (see broken_reward.h). */

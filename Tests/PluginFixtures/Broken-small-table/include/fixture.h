/* Fixture: small-table (see broken_reward.h). */

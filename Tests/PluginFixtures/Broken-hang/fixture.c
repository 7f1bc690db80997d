#define BROKEN_HANG
#include <broken_reward.h>

#define BROKEN_WRONG_GRADIENT
#include <broken_reward.h>

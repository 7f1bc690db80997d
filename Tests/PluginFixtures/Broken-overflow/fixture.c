#define BROKEN_OVERFLOW
#include <broken_reward.h>

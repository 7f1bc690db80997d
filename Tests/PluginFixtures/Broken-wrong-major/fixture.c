#define BROKEN_WRONG_MAJOR
#include <broken_reward.h>

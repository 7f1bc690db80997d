#define BROKEN_NAN
#include <broken_reward.h>

/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include "state.h"

static const char *const names[_ACRND_STATE_MAX] = {
	[ACRND_STATE_SHUTOFF] = "shutoff",
	[ACRND_STATE_STARTING] = "starting",
	[ACRND_STATE_RUNNING] = "running",
	[ACRND_STATE_PAUSED] = "paused",
	[ACRND_STATE_SHUTTING_DOWN] = "shutting-down",
	[ACRND_STATE_CRASHED] = "crashed",
	[ACRND_STATE_SUSPENDED] = "suspended",
};

#define B(s) (1u << ACRND_STATE_##s)

/* Row: from; bits: the states it may go to. */
static const unsigned allowed[_ACRND_STATE_MAX] = {
	[ACRND_STATE_SHUTOFF] = B(STARTING),
	[ACRND_STATE_STARTING] = B(RUNNING) | B(SHUTOFF) | B(CRASHED) | B(SHUTTING_DOWN),
	[ACRND_STATE_RUNNING] =
	        B(PAUSED) | B(SHUTTING_DOWN) | B(SHUTOFF) | B(CRASHED) | B(SUSPENDED),
	[ACRND_STATE_PAUSED] = B(RUNNING) | B(SHUTTING_DOWN) | B(SHUTOFF) | B(CRASHED),
	[ACRND_STATE_SHUTTING_DOWN] = B(SHUTOFF) | B(CRASHED) | B(RUNNING),
	[ACRND_STATE_CRASHED] = B(STARTING) | B(SHUTOFF),
	[ACRND_STATE_SUSPENDED] = B(RUNNING) | B(SHUTTING_DOWN) | B(SHUTOFF) | B(CRASHED),
};

const char *acrnd_state_to_string(enum acrnd_state s)
{
	return s >= 0 && s < _ACRND_STATE_MAX ? names[s] : NULL;
}

enum acrnd_state acrnd_state_from_string(const char *s)
{
	for (int i = 0; s && i < _ACRND_STATE_MAX; i++)
		if (!strcmp(s, names[i]))
			return i;
	return _ACRND_STATE_INVALID;
}

bool acrnd_state_transition_ok(enum acrnd_state from, enum acrnd_state to)
{
	if (from < 0 || from >= _ACRND_STATE_MAX || to < 0 || to >= _ACRND_STATE_MAX)
		return false;
	return allowed[from] & (1u << to);
}

bool acrnd_state_is_active(enum acrnd_state s)
{
	return s != ACRND_STATE_SHUTOFF && s != ACRND_STATE_CRASHED && s >= 0 &&
	       s < _ACRND_STATE_MAX;
}

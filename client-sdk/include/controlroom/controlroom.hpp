#pragma once

/// @file
/// The whole public Controlroom SDK in one include.

#include "controlroom/audio.hpp"
#include "controlroom/client.hpp"
#include "controlroom/errors.hpp"
#include "controlroom/intents.hpp"
#include "controlroom/session_state.hpp"
#include "controlroom/types.hpp"

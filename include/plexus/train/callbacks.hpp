// Callbacks: code that fit() runs at fixed points of training (start, each epoch, each batch,
// end), to stop early, save checkpoints, step learning-rate schedules, report progress or log
// history. They observe and steer the loop; the loop itself lives in fit.cpp.
// One pattern for the built-in ones: a settings struct (EarlyStopping, ModelCheckpoint,
// LRSchedule, HistoryLogger) that fit's callbacks list accepts as it is, and the callback class it
// becomes (EarlyStoppingCallback, ...), to keep when its state is read afterwards. Each has its
// own header; this one includes them all with the Callback base (callback.hpp).
#pragma once

#include "plexus/train/callback.hpp"
#include "plexus/train/early_stopping.hpp"
#include "plexus/train/history_logger.hpp"
#include "plexus/train/lr_schedule.hpp"
#include "plexus/train/model_checkpoint.hpp"

// The `cohort` command line: parses arguments (CLI11) and runs a command.
#pragma once

namespace cohort {

int CohortMain(int argc, char** argv);

}  // namespace cohort

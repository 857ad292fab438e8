#include "cli.h"
int main(int argc, char** argv) { return cohort::CohortMain(argc, argv); }

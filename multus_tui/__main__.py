from multus_tui.cli import main

raise SystemExit(main())

"""The Train page's parts: the form over every config field (`form`, `sections`, `fit`), the
augmentation preview (`augmentation`), and the runs it watches live (`runs`, `live_run/`,
`scroll`)."""

"""A training listener that keeps every epoch's metrics per case, for comparing runs exactly."""


class CurveRecorder:
    def __init__(self):
        self.curves: dict[str, list[tuple[float, float, float, float]]] = {}

    def on_step(self, event):
        pass

    def on_epoch(self, event):
        for key, m in event.metrics.items():
            self.curves.setdefault(key, []).append((m.train_cost, m.train_accuracy, m.test_cost, m.test_accuracy))

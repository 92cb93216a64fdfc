"""`python3 bench/moto-transactions.py`: what one DynamoDB transaction costs in moto on a ledger of
5,000 items, as moto ships and with the local stack's rollback (local/moto/launcher.py), and that a
failed transaction still rolls back. Prints the figures and their ratio."""

import importlib.util
import os
import time

import boto3
from moto import mock_aws

ITEMS = 5000
TRANSACTIONS = 50


def measure() -> tuple[float, str]:
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        client.create_table(
            TableName="ledger",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "S"},
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        for i in range(ITEMS):
            client.put_item(
                TableName="ledger",
                Item={"pk": {"S": f"owner{i % 50}"}, "sk": {"S": f"object#{i}"}, "size": {"N": "1"}},
            )
        usage = {"pk": {"S": "x"}, "sk": {"S": "usage"}}
        add_one = {
            "TableName": "ledger",
            "Key": usage,
            "UpdateExpression": "ADD #b :one",
            "ExpressionAttributeNames": {"#b": "bytes"},
            "ExpressionAttributeValues": {":one": {"N": "1"}},
        }
        started = time.perf_counter()
        for i in range(TRANSACTIONS):
            client.transact_write_items(
                TransactItems=[
                    {
                        "Put": {
                            "TableName": "ledger",
                            "Item": {"pk": {"S": "x"}, "sk": {"S": f"object#{i}"}},
                            "ConditionExpression": "attribute_not_exists(pk)",
                        }
                    },
                    {"Update": add_one},
                    {"Delete": {"TableName": "ledger", "Key": {"pk": {"S": "x"}, "sk": {"S": f"reservation#{i}"}}}},
                ]
            )
        per_transaction_ms = (time.perf_counter() - started) / TRANSACTIONS * 1000
        try:
            client.transact_write_items(
                TransactItems=[
                    {"Update": add_one},
                    {
                        "Put": {
                            "TableName": "ledger",
                            "Item": {"pk": {"S": "x"}, "sk": {"S": "object#0"}},
                            "ConditionExpression": "attribute_not_exists(pk)",
                        }
                    },
                ]
            )
            rolled_back = "no: the failing transaction succeeded"
        except client.exceptions.TransactionCanceledException:
            count = client.get_item(TableName="ledger", Key=usage)["Item"]["bytes"]["N"]
            rolled_back = "yes" if count == str(TRANSACTIONS) else f"no: usage {count}, want {TRANSACTIONS}"
        return per_transaction_ms, rolled_back


def main() -> None:
    shipped, shipped_rollback = measure()
    path = os.path.join(os.path.dirname(__file__), "..", "local", "moto", "launcher.py")
    spec = importlib.util.spec_from_file_location("moto_launcher", path)
    assert spec and spec.loader
    launcher = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(launcher)
    launcher.cheap_transactions()
    ours, our_rollback = measure()
    print(f"transaction on a {ITEMS}-item table, moto as shipped   {shipped:8.1f} ms   rolled back: {shipped_rollback}")
    print(f"transaction on a {ITEMS}-item table, local stack's     {ours:8.1f} ms   rolled back: {our_rollback}")
    print(f"ratio                                               {shipped / ours:8.1f}x")


if __name__ == "__main__":
    main()
